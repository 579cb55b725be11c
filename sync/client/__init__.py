"""The box side of sync: enrollment, outbox upload, signed list updates, state for the console."""
