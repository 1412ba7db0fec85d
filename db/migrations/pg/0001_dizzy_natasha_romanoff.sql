CREATE TABLE "github_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_installations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_login" text NOT NULL,
	"account_type" text,
	"suspended_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "github_repositories" (
	"key" text PRIMARY KEY NOT NULL,
	"full_name" text NOT NULL,
	"installation_id" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "installation_members" (
	"installation_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "installation_members_installation_id_user_id_pk" PRIMARY KEY("installation_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "pull_request_states" (
	"id" text PRIMARY KEY NOT NULL,
	"summary_comment_id" text,
	"commented_fingerprints" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_findings" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"specialist" text NOT NULL,
	"severity" text NOT NULL,
	"severity_rank" integer NOT NULL,
	"confidence" double precision NOT NULL,
	"title" text NOT NULL,
	"summary" text NOT NULL,
	"file_path" text,
	"start_line" integer,
	"end_line" integer,
	"fingerprint" text NOT NULL,
	"rule" text NOT NULL,
	"novelty" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_run_history" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"execution" integer NOT NULL,
	"status" text NOT NULL,
	"verdict" text,
	"summary" text,
	"risk_band" text,
	"risk_score" integer,
	"failure_reason" text,
	"findings" jsonb NOT NULL,
	"completed_at" timestamp with time zone,
	"archived_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"installation_id" text NOT NULL,
	"repository" text NOT NULL,
	"repository_key" text NOT NULL,
	"pull_request_number" integer NOT NULL,
	"head_sha" text NOT NULL,
	"base_sha" text,
	"pull_request_title" text,
	"status" text NOT NULL,
	"verdict" text,
	"summary" text,
	"risk_band" text,
	"risk_score" integer,
	"failure_reason" text,
	"coverage" jsonb,
	"trigger" text NOT NULL,
	"execution" integer DEFAULT 1 NOT NULL,
	"webhook" jsonb,
	"change_passport_id" text,
	"credits_charged" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "installation_members" ADD CONSTRAINT "installation_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_findings" ADD CONSTRAINT "review_findings_run_id_review_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."review_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_run_history" ADD CONSTRAINT "review_run_history_run_id_review_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."review_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_runs" ADD CONSTRAINT "review_runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "github_repositories_installation_idx" ON "github_repositories" USING btree ("installation_id");--> statement-breakpoint
CREATE INDEX "review_findings_run_idx" ON "review_findings" USING btree ("run_id","severity_rank");--> statement-breakpoint
CREATE INDEX "review_run_history_run_idx" ON "review_run_history" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "review_runs_target_idx" ON "review_runs" USING btree ("repository_key","pull_request_number","head_sha");--> statement-breakpoint
CREATE INDEX "review_runs_installation_idx" ON "review_runs" USING btree ("installation_id","id");--> statement-breakpoint
CREATE INDEX "review_runs_pr_idx" ON "review_runs" USING btree ("repository_key","pull_request_number");