"""CAP 1.2 (Common Alerting Protocol) in and out: official warnings become draft announcements;
approved announcements are published as CAP (docs/emergency.md)."""
