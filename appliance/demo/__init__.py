"""The one-command demo: fictitious lists, virtual scanners feeding lanes through the real API."""
