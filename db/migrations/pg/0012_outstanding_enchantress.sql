ALTER TABLE "credit_reservations" ADD COLUMN "holder" text;--> statement-breakpoint
ALTER TABLE "credit_reservations" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inference_usage" ADD COLUMN "cost_capped" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "credit_reservations_lease_idx" ON "credit_reservations" USING btree ("status","lease_expires_at");--> statement-breakpoint
CREATE INDEX "inference_usage_reservation_idx" ON "inference_usage" USING btree ("reservation_id");