CREATE TABLE "checkpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"installation_id" text NOT NULL,
	"repository" text NOT NULL,
	"repository_key" text NOT NULL,
	"pull_request_number" integer NOT NULL,
	"head_sha" text NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"rules" jsonb,
	"failure_reason" text,
	"trigger" text NOT NULL,
	"change_passport_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "passport_snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"passport_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"kind" text NOT NULL,
	"ref_id" text NOT NULL,
	"head_sha" text NOT NULL,
	"state" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "passports" (
	"id" text PRIMARY KEY NOT NULL,
	"installation_id" text NOT NULL,
	"repository" text NOT NULL,
	"repository_key" text NOT NULL,
	"pull_request_number" integer NOT NULL,
	"title" text,
	"head_sha" text NOT NULL,
	"verdict" text,
	"risk_band" text,
	"risk_score" integer,
	"checkpoint_outcome" text,
	"policy_outcome" text,
	"latest_review_run_id" text,
	"snapshot_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_evaluations" (
	"id" text PRIMARY KEY NOT NULL,
	"passport_id" text NOT NULL,
	"head_sha" text NOT NULL,
	"review_run_id" text,
	"checkpoint_id" text,
	"outcome" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"policy" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "passport_snapshots" ADD CONSTRAINT "passport_snapshots_passport_id_passports_id_fk" FOREIGN KEY ("passport_id") REFERENCES "public"."passports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_evaluations" ADD CONSTRAINT "policy_evaluations_passport_id_passports_id_fk" FOREIGN KEY ("passport_id") REFERENCES "public"."passports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "checkpoints_pr_idx" ON "checkpoints" USING btree ("repository_key","pull_request_number");--> statement-breakpoint
CREATE UNIQUE INDEX "passport_snapshots_seq_idx" ON "passport_snapshots" USING btree ("passport_id","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "passports_pr_idx" ON "passports" USING btree ("repository_key","pull_request_number");--> statement-breakpoint
CREATE INDEX "passports_installation_idx" ON "passports" USING btree ("installation_id","updated_at");--> statement-breakpoint
CREATE INDEX "policy_evaluations_passport_idx" ON "policy_evaluations" USING btree ("passport_id","created_at");