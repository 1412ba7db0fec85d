ALTER TABLE "github_deliveries" ADD COLUMN "body_hash" text;--> statement-breakpoint
ALTER TABLE "github_deliveries" ADD CONSTRAINT "github_deliveries_body_hash_unique" UNIQUE("body_hash");