CREATE TABLE `remedy_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`review_run_id` text NOT NULL,
	`review_execution` integer NOT NULL,
	`user_id` text NOT NULL,
	`installation_id` text NOT NULL,
	`repository` text NOT NULL,
	`repository_key` text NOT NULL,
	`pull_request_number` integer NOT NULL,
	`head_sha` text NOT NULL,
	`change_passport_id` text,
	`status` text NOT NULL,
	`stage` text NOT NULL,
	`targets` text NOT NULL,
	`model` text,
	`limits` text NOT NULL,
	`head_branch` text,
	`head_fork` text,
	`coding_agent_run_id` text,
	`commit_sha` text,
	`follow_up_review_run_id` text,
	`outcome` text,
	`resolved_fingerprints` text,
	`remaining_fingerprints` text,
	`failure_reason` text,
	`credits_used` integer,
	`active_slot` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `remedy_runs_active_slot_unique` ON `remedy_runs` (`active_slot`);--> statement-breakpoint
CREATE INDEX `remedy_runs_review_idx` ON `remedy_runs` (`review_run_id`,`id`);--> statement-breakpoint
CREATE INDEX `remedy_runs_agent_idx` ON `remedy_runs` (`coding_agent_run_id`);--> statement-breakpoint
CREATE INDEX `remedy_runs_follow_up_idx` ON `remedy_runs` (`follow_up_review_run_id`);--> statement-breakpoint
ALTER TABLE `coding_agent_runs` ADD `push_onto` text;--> statement-breakpoint
ALTER TABLE `coding_agent_runs` ADD `commit_message` text;