CREATE TABLE "remedy_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"review_run_id" text NOT NULL,
	"review_execution" integer NOT NULL,
	"user_id" text NOT NULL,
	"installation_id" text NOT NULL,
	"repository" text NOT NULL,
	"repository_key" text NOT NULL,
	"pull_request_number" integer NOT NULL,
	"head_sha" text NOT NULL,
	"change_passport_id" text,
	"status" text NOT NULL,
	"stage" text NOT NULL,
	"targets" jsonb NOT NULL,
	"model" text,
	"limits" jsonb NOT NULL,
	"head_branch" text,
	"head_fork" text,
	"coding_agent_run_id" text,
	"commit_sha" text,
	"follow_up_review_run_id" text,
	"outcome" text,
	"resolved_fingerprints" jsonb,
	"remaining_fingerprints" jsonb,
	"failure_reason" text,
	"credits_used" bigint,
	"active_slot" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "remedy_runs_active_slot_unique" UNIQUE("active_slot")
);
--> statement-breakpoint
ALTER TABLE "coding_agent_runs" ADD COLUMN "push_onto" text;--> statement-breakpoint
ALTER TABLE "coding_agent_runs" ADD COLUMN "commit_message" text;--> statement-breakpoint
ALTER TABLE "remedy_runs" ADD CONSTRAINT "remedy_runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "remedy_runs_review_idx" ON "remedy_runs" USING btree ("review_run_id","id");--> statement-breakpoint
CREATE INDEX "remedy_runs_agent_idx" ON "remedy_runs" USING btree ("coding_agent_run_id");--> statement-breakpoint
CREATE INDEX "remedy_runs_follow_up_idx" ON "remedy_runs" USING btree ("follow_up_review_run_id");