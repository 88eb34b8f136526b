"""BigCommerce: OAuth and callbacks, the API client, webhooks, and canonical mapping."""
