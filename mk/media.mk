# Media load figures (not part of `make test`): simulated meeting points against an in-process
# SFU, inside a network namespace that has only loopback. Bounded in points and time.
POINTS ?= 100
SECONDS_OF_MEDIA ?= 15s

.PHONY: bench-media
bench-media: $(BIN)
	$(NETNS) sh -c 'ip link set lo up && ./$(BIN) loadtest -scenario briefing -points $(POINTS) -duration $(SECONDS_OF_MEDIA) && ./$(BIN) loadtest -scenario roundtable -points 10 -duration $(SECONDS_OF_MEDIA)'
