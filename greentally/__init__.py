"""GreenTally composition root: settings, CLI and the wiring of web, bot and storage."""
