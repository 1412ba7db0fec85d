CREATE TABLE `github_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `github_installations` (
	`id` text PRIMARY KEY NOT NULL,
	`account_login` text NOT NULL,
	`account_type` text,
	`suspended_at` integer,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `github_repositories` (
	`key` text PRIMARY KEY NOT NULL,
	`full_name` text NOT NULL,
	`installation_id` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `github_repositories_installation_idx` ON `github_repositories` (`installation_id`);--> statement-breakpoint
CREATE TABLE `installation_members` (
	`installation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`installation_id`, `user_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `pull_request_states` (
	`id` text PRIMARY KEY NOT NULL,
	`summary_comment_id` text,
	`commented_fingerprints` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `review_findings` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`specialist` text NOT NULL,
	`severity` text NOT NULL,
	`severity_rank` integer NOT NULL,
	`confidence` real NOT NULL,
	`title` text NOT NULL,
	`summary` text NOT NULL,
	`file_path` text,
	`start_line` integer,
	`end_line` integer,
	`fingerprint` text NOT NULL,
	`rule` text NOT NULL,
	`novelty` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `review_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `review_findings_run_idx` ON `review_findings` (`run_id`,`severity_rank`);--> statement-breakpoint
CREATE TABLE `review_run_history` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`execution` integer NOT NULL,
	`status` text NOT NULL,
	`verdict` text,
	`summary` text,
	`risk_band` text,
	`risk_score` integer,
	`failure_reason` text,
	`findings` text NOT NULL,
	`completed_at` integer,
	`archived_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `review_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `review_run_history_run_idx` ON `review_run_history` (`run_id`);--> statement-breakpoint
CREATE TABLE `review_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`installation_id` text NOT NULL,
	`repository` text NOT NULL,
	`repository_key` text NOT NULL,
	`pull_request_number` integer NOT NULL,
	`head_sha` text NOT NULL,
	`base_sha` text,
	`pull_request_title` text,
	`status` text NOT NULL,
	`verdict` text,
	`summary` text,
	`risk_band` text,
	`risk_score` integer,
	`failure_reason` text,
	`coverage` text,
	`trigger` text NOT NULL,
	`execution` integer DEFAULT 1 NOT NULL,
	`webhook` text,
	`change_passport_id` text,
	`credits_charged` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_runs_target_idx` ON `review_runs` (`repository_key`,`pull_request_number`,`head_sha`);--> statement-breakpoint
CREATE INDEX `review_runs_installation_idx` ON `review_runs` (`installation_id`,`id`);--> statement-breakpoint
CREATE INDEX `review_runs_pr_idx` ON `review_runs` (`repository_key`,`pull_request_number`);