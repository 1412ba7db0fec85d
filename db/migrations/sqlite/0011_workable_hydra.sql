ALTER TABLE `credit_reservations` ADD `holder` text;--> statement-breakpoint
ALTER TABLE `credit_reservations` ADD `lease_expires_at` integer;--> statement-breakpoint
CREATE INDEX `credit_reservations_lease_idx` ON `credit_reservations` (`status`,`lease_expires_at`);--> statement-breakpoint
ALTER TABLE `inference_usage` ADD `cost_capped` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `inference_usage_reservation_idx` ON `inference_usage` (`reservation_id`);