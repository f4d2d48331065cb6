"""Blueprints for the public pages and the admin."""
