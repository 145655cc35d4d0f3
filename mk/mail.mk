# Mail tests run against a real SMTP server, Mailpit (github.com/axllent/mailpit), a Go program
# installed into TOOLS_DIR by `make mailpit` (which .ci/run calls). Tests find it through
# MAILPIT_BIN; under CI=true a missing binary fails them, elsewhere they skip.
MAILPIT_VERSION ?= v1.33.1
TOOLS_DIR       ?= $(HOME)/.cache/phonghop-tools
MAILPIT_BIN     ?= $(TOOLS_DIR)/mailpit
export MAILPIT_BIN

.PHONY: mailpit
mailpit: $(MAILPIT_BIN)

$(MAILPIT_BIN):
	GOBIN=$(abspath $(TOOLS_DIR)) $(GO) install github.com/axllent/mailpit@$(MAILPIT_VERSION)
