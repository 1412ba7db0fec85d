CREATE TABLE `coding_agent_events` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `coding_agent_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`model` text NOT NULL,
	`billing` text NOT NULL,
	`prompt` text NOT NULL,
	`pending_prompt` text,
	`repository` text,
	`installation_id` text,
	`ref` text,
	`base_sha` text,
	`create_pull_request` integer DEFAULT false NOT NULL,
	`branch_name` text,
	`pull_request_title` text,
	`pull_request_url` text,
	`pull_request_number` integer,
	`commit_sha` text,
	`limits` text NOT NULL,
	`turns` integer DEFAULT 0 NOT NULL,
	`summary` text,
	`diffstat` text,
	`patch` text,
	`webhook` text,
	`metadata` text,
	`idempotency_key` text,
	`provider` text NOT NULL,
	`sandbox_id` text,
	`sandbox_owner` text,
	`agent_session_id` text,
	`run_key_id` text,
	`run_key` text,
	`reservation_id` text,
	`sandbox_ms` integer DEFAULT 0 NOT NULL,
	`sandbox_cost` integer,
	`failure_reason` text,
	`last_event_seq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`idle_until` integer,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coding_agent_runs_idempotency_key_unique` ON `coding_agent_runs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `coding_agent_runs_user_idx` ON `coding_agent_runs` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `coding_agent_runs_status_idx` ON `coding_agent_runs` (`status`);--> statement-breakpoint
CREATE TABLE `user_credentials` (
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	`hint` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `name`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `upstream_credential` text;