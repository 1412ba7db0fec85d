CREATE TABLE `checkpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`installation_id` text NOT NULL,
	`repository` text NOT NULL,
	`repository_key` text NOT NULL,
	`pull_request_number` integer NOT NULL,
	`head_sha` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`rules` text,
	`failure_reason` text,
	`trigger` text NOT NULL,
	`change_passport_id` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `checkpoints_pr_idx` ON `checkpoints` (`repository_key`,`pull_request_number`);--> statement-breakpoint
CREATE TABLE `passport_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`passport_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`kind` text NOT NULL,
	`ref_id` text NOT NULL,
	`head_sha` text NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`passport_id`) REFERENCES `passports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `passport_snapshots_seq_idx` ON `passport_snapshots` (`passport_id`,`sequence`);--> statement-breakpoint
CREATE TABLE `passports` (
	`id` text PRIMARY KEY NOT NULL,
	`installation_id` text NOT NULL,
	`repository` text NOT NULL,
	`repository_key` text NOT NULL,
	`pull_request_number` integer NOT NULL,
	`title` text,
	`head_sha` text NOT NULL,
	`verdict` text,
	`risk_band` text,
	`risk_score` integer,
	`checkpoint_outcome` text,
	`policy_outcome` text,
	`latest_review_run_id` text,
	`snapshot_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `passports_pr_idx` ON `passports` (`repository_key`,`pull_request_number`);--> statement-breakpoint
CREATE INDEX `passports_installation_idx` ON `passports` (`installation_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `policy_evaluations` (
	`id` text PRIMARY KEY NOT NULL,
	`passport_id` text NOT NULL,
	`head_sha` text NOT NULL,
	`review_run_id` text,
	`checkpoint_id` text,
	`outcome` text NOT NULL,
	`reasons` text NOT NULL,
	`policy` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`passport_id`) REFERENCES `passports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `policy_evaluations_passport_idx` ON `policy_evaluations` (`passport_id`,`created_at`);