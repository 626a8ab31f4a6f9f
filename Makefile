# The two commands: `make run` (set up everything, start the product with demo data)
# and `make test` (set up everything, run every test). Both are idempotent.
.PHONY: run test setup lint clean

run: setup
	@.venv/bin/shuiwu serve

test: setup
	@scripts/test.sh

setup:
	@scripts/setup.sh

lint: setup
	@.venv/bin/ruff check shuiwu actions channels knowledge_base tests vision forecasting scripts

clean:
	rm -rf .venv .venv-rasa .cache web_widget/node_modules web_widget/dist assistant/models
