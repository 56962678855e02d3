"""The mobile web front door: pages, JSON API and sign-in over the campaign services."""
