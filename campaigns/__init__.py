"""The campaign domain: catalog, rules, services. No web or bot code lives here."""
