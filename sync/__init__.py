"""Central hub (``screening-hub``) and the box's sync client, with their shared protocol."""
