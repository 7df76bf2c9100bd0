"""The Textual UI. Never imports torch: grading runs in the engine's worker process."""
