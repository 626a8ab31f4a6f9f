"""Rasa input channels (run inside the Rasa server, .venv-rasa): the authenticated web socket.

Nothing here imports the app (`shuiwu`): the two run in different venvs and share only the
JWT signing key, which the launcher hands to Rasa as the SECRET_KEY environment variable.
"""
