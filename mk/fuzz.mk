# Fuzzing the parsers that read input from outside (not part of `make test`, which runs the seed
# corpus of each fuzz test as a normal test).
FUZZTIME ?= 60s

.PHONY: fuzz
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME) ./docs/edxml
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./sfu
	$(GO) test -run '^$$' -fuzz FuzzParseVP8 -fuzztime $(FUZZTIME) ./sfu
	$(GO) test -run '^$$' -fuzz FuzzRecorder -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./sfu/record
