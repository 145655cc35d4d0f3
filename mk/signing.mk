# Leaders' signatures: the remote signing service, CA, OCSP, CRL and TSA the browser test and
# the demo run on loopback (e2e/cscservice).
CSCSERVICE := bin/cscservice
$(CSCSERVICE): $(shell find e2e/cscservice docs/pades -name '*.go' 2>/dev/null) go.mod go.sum
	$(GO) build -o $(CSCSERVICE) ./e2e/cscservice

e2e: $(CSCSERVICE)
export CSC_SERVICE_BIN := $(CURDIR)/$(CSCSERVICE)
