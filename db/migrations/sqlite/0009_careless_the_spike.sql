ALTER TABLE `github_deliveries` ADD `body_hash` text;--> statement-breakpoint
CREATE UNIQUE INDEX `github_deliveries_body_hash_unique` ON `github_deliveries` (`body_hash`);