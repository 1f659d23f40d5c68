"""Writes for payouts, split by sub-domain: accounts, risk, payouts, batches, settlement, bank files,
reconciliation and the ledger. Every interface (admin, API, tasks, commands) calls these."""
