"""End-to-end scenarios in a real browser (`make e2e`); not collected by `make test`."""
