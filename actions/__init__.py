"""Rasa custom actions, served by the app at /webhook (rasa_sdk ActionExecutor)."""
