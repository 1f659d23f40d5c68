"""Case work on claims after intake: assignment, SLA clock, notes and answers, information requests,
merging duplicates, transfers to affiliates and bulk jobs. The state machine itself is claims.workflow."""
