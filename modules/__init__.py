"""Constructs and config for Keycloak's Aurora PostgreSQL database on AWS, with CDKTF."""
