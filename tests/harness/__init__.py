"""End-to-end test harness: a patched moto server and a Terraform runner."""
