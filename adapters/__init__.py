"""Channel adapters (Telegram, WhatsApp, email) and the provider sandboxes used offline."""
