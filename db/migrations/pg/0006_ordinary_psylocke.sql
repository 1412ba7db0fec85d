CREATE TABLE "coding_agent_events" (
	"run_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "coding_agent_events_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "coding_agent_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"status" text NOT NULL,
	"model" text NOT NULL,
	"billing" text NOT NULL,
	"prompt" text NOT NULL,
	"pending_prompt" text,
	"repository" text,
	"installation_id" text,
	"ref" text,
	"base_sha" text,
	"create_pull_request" boolean DEFAULT false NOT NULL,
	"branch_name" text,
	"pull_request_title" text,
	"pull_request_url" text,
	"pull_request_number" integer,
	"commit_sha" text,
	"limits" jsonb NOT NULL,
	"turns" integer DEFAULT 0 NOT NULL,
	"summary" text,
	"diffstat" jsonb,
	"patch" text,
	"webhook" jsonb,
	"metadata" jsonb,
	"idempotency_key" text,
	"provider" text NOT NULL,
	"sandbox_id" text,
	"sandbox_owner" text,
	"agent_session_id" text,
	"run_key_id" text,
	"run_key" text,
	"reservation_id" text,
	"sandbox_ms" integer DEFAULT 0 NOT NULL,
	"sandbox_cost" bigint,
	"failure_reason" text,
	"last_event_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"idle_until" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "coding_agent_runs_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "user_credentials" (
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"hint" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "user_credentials_user_id_name_pk" PRIMARY KEY("user_id","name")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "upstream_credential" text;--> statement-breakpoint
ALTER TABLE "coding_agent_runs" ADD CONSTRAINT "coding_agent_runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credentials" ADD CONSTRAINT "user_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coding_agent_runs_user_idx" ON "coding_agent_runs" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "coding_agent_runs_status_idx" ON "coding_agent_runs" USING btree ("status");