DROP INDEX `checkpoints_pr_idx`;--> statement-breakpoint
CREATE INDEX `checkpoints_installation_pr_idx` ON `checkpoints` (`installation_id`,`repository_key`,`pull_request_number`);--> statement-breakpoint
DROP INDEX `passports_pr_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `passports_installation_pr_idx` ON `passports` (`installation_id`,`repository_key`,`pull_request_number`);--> statement-breakpoint
DROP INDEX `review_runs_target_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `review_runs_installation_target_idx` ON `review_runs` (`installation_id`,`repository_key`,`pull_request_number`,`head_sha`);--> statement-breakpoint
ALTER TABLE `github_installations` ADD `billing_user_id` text REFERENCES users(id);--> statement-breakpoint
-- Data: who pays for an installation's automatic reviews. Where exactly one user controls an installation, that
-- user (almost always its installer) becomes its billing user; elsewhere an operator sets one with
-- `critique installations billing`.
UPDATE github_installations SET billing_user_id = (SELECT m.user_id FROM installation_members m WHERE m.installation_id = github_installations.id)
WHERE billing_user_id IS NULL AND (SELECT count(*) FROM installation_members m WHERE m.installation_id = github_installations.id) = 1;--> statement-breakpoint
-- Data: before this migration a repository installed again by someone else kept its pull requests' passports, so
-- the new tenant's reviews and checkpoints were filed under the earlier tenant's passport. Give each such tenant a
-- passport of its own (its id prefixed `mig`) and move its records there.
INSERT INTO passports (id, installation_id, repository, repository_key, pull_request_number, head_sha, snapshot_count, created_at, updated_at)
SELECT 'mig' || min(o.id), o.installation_id, max(o.repository), o.repository_key, o.pull_request_number, max(o.head_sha), 0, min(o.created_at), max(o.created_at)
FROM (
  SELECT r.id, r.installation_id, r.repository, r.repository_key, r.pull_request_number, r.head_sha, r.created_at FROM review_runs r JOIN passports p ON p.id = r.change_passport_id WHERE p.installation_id <> r.installation_id
  UNION ALL
  SELECT c.id, c.installation_id, c.repository, c.repository_key, c.pull_request_number, c.head_sha, c.created_at FROM checkpoints c JOIN passports p ON p.id = c.change_passport_id WHERE p.installation_id <> c.installation_id
) o
WHERE NOT EXISTS (SELECT 1 FROM passports q WHERE q.installation_id = o.installation_id AND q.repository_key = o.repository_key AND q.pull_request_number = o.pull_request_number)
GROUP BY o.installation_id, o.repository_key, o.pull_request_number;--> statement-breakpoint
UPDATE review_runs SET change_passport_id = COALESCE((SELECT q.id FROM passports q WHERE q.installation_id = review_runs.installation_id AND q.repository_key = review_runs.repository_key AND q.pull_request_number = review_runs.pull_request_number), change_passport_id)
WHERE EXISTS (SELECT 1 FROM passports p WHERE p.id = review_runs.change_passport_id AND p.installation_id <> review_runs.installation_id);--> statement-breakpoint
UPDATE checkpoints SET change_passport_id = COALESCE((SELECT q.id FROM passports q WHERE q.installation_id = checkpoints.installation_id AND q.repository_key = checkpoints.repository_key AND q.pull_request_number = checkpoints.pull_request_number), change_passport_id)
WHERE EXISTS (SELECT 1 FROM passports p WHERE p.id = checkpoints.change_passport_id AND p.installation_id <> checkpoints.installation_id);--> statement-breakpoint
UPDATE remedy_runs SET change_passport_id = COALESCE((SELECT q.id FROM passports q WHERE q.installation_id = remedy_runs.installation_id AND q.repository_key = remedy_runs.repository_key AND q.pull_request_number = remedy_runs.pull_request_number), change_passport_id)
WHERE EXISTS (SELECT 1 FROM passports p WHERE p.id = remedy_runs.change_passport_id AND p.installation_id <> remedy_runs.installation_id);--> statement-breakpoint
-- Policy evaluations follow the review or checkpoint that triggered them.
UPDATE policy_evaluations SET passport_id = (SELECT r.change_passport_id FROM review_runs r WHERE r.id = policy_evaluations.review_run_id)
WHERE EXISTS (SELECT 1 FROM review_runs r WHERE r.id = policy_evaluations.review_run_id AND r.change_passport_id IS NOT NULL AND r.change_passport_id <> policy_evaluations.passport_id);--> statement-breakpoint
UPDATE policy_evaluations SET passport_id = (SELECT c.change_passport_id FROM checkpoints c WHERE c.id = policy_evaluations.checkpoint_id)
WHERE policy_evaluations.review_run_id IS NULL AND EXISTS (SELECT 1 FROM checkpoints c WHERE c.id = policy_evaluations.checkpoint_id AND c.change_passport_id IS NOT NULL AND c.change_passport_id <> policy_evaluations.passport_id);--> statement-breakpoint
-- Snapshots follow what they record, numbered after the target passport's last one (the earlier tenant's
-- timeline keeps its numbers: a gap shows that something left).
UPDATE passport_snapshots SET passport_id = m.target, sequence = m.seq
FROM (
  SELECT t.id, t.target, ROW_NUMBER() OVER (PARTITION BY t.target ORDER BY t.sequence) + COALESCE((SELECT max(s2.sequence) FROM passport_snapshots s2 WHERE s2.passport_id = t.target), 0) AS seq
  FROM (
    SELECT s.id, s.sequence, s.passport_id, COALESCE(r.change_passport_id, c.change_passport_id, e.passport_id, rr.change_passport_id) AS target
    FROM passport_snapshots s
    LEFT JOIN review_runs r ON s.kind = 'review' AND r.id = s.ref_id
    LEFT JOIN checkpoints c ON s.kind = 'checkpoint' AND c.id = s.ref_id
    LEFT JOIN policy_evaluations e ON s.kind = 'policy' AND e.id = s.ref_id
    LEFT JOIN remedy_runs rr ON s.kind = 'remedy' AND rr.id = s.ref_id
  ) t
  WHERE t.target IS NOT NULL AND t.target <> t.passport_id
) m
WHERE passport_snapshots.id = m.id;--> statement-breakpoint
UPDATE passports SET snapshot_count = (SELECT max(s.sequence) FROM passport_snapshots s WHERE s.passport_id = passports.id)
WHERE snapshot_count < (SELECT COALESCE(max(s.sequence), 0) FROM passport_snapshots s WHERE s.passport_id = passports.id);--> statement-breakpoint
-- The current state of every passport that gained or lost records: from its own latest review, checkpoint, policy
-- evaluation and snapshot.
UPDATE passports SET
  latest_review_run_id = (SELECT r.id FROM review_runs r WHERE r.change_passport_id = passports.id AND r.status IN ('COMPLETED', 'FAILED') ORDER BY r.id DESC LIMIT 1),
  verdict = (SELECT r.verdict FROM review_runs r WHERE r.change_passport_id = passports.id AND r.status IN ('COMPLETED', 'FAILED') ORDER BY r.id DESC LIMIT 1),
  risk_band = (SELECT r.risk_band FROM review_runs r WHERE r.change_passport_id = passports.id AND r.status IN ('COMPLETED', 'FAILED') ORDER BY r.id DESC LIMIT 1),
  risk_score = (SELECT r.risk_score FROM review_runs r WHERE r.change_passport_id = passports.id AND r.status IN ('COMPLETED', 'FAILED') ORDER BY r.id DESC LIMIT 1),
  checkpoint_outcome = (SELECT c.outcome FROM checkpoints c WHERE c.change_passport_id = passports.id AND c.status = 'COMPLETED' ORDER BY c.id DESC LIMIT 1),
  policy_outcome = (SELECT e.outcome FROM policy_evaluations e WHERE e.passport_id = passports.id ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
  head_sha = COALESCE((SELECT s.head_sha FROM passport_snapshots s WHERE s.passport_id = passports.id ORDER BY s.sequence DESC LIMIT 1), head_sha),
  title = COALESCE(title, (SELECT r.pull_request_title FROM review_runs r WHERE r.change_passport_id = passports.id AND r.pull_request_title IS NOT NULL ORDER BY r.id DESC LIMIT 1))
WHERE id LIKE 'mig%' OR EXISTS (SELECT 1 FROM review_runs r WHERE r.id = passports.latest_review_run_id AND r.installation_id <> passports.installation_id);
