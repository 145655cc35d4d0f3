# Media load figures (not part of `make test`): simulated meeting points against the SFU running
# in a process of its own, inside a network namespace that has only loopback. Each run is
# bounded: points join at JOIN_RATE per second, media warms up, the window lasts MEDIA_WINDOW
# (at most 10m), then everything stops. Reports go to artifacts/loadtest/<scenario>.{json,md}.
BRIEFING_POINTS ?= 250
MEETING_ROOMS   ?= 20
MEETING_POINTS  ?= 160
MEDIA_WINDOW    ?= 30s
JOIN_RATE       ?= 20
LOADTEST_OUT    ?= artifacts/loadtest
LOADTEST_FLAGS  ?= -cpuprofile
# Forwarding paths side by side: the shared-history path against the legacy one, A B A B in one
# run (the forwarding benchmark, then the briefing at COMPARE_POINTS points); the 250-point
# briefing runs with one point in ten judging everything (JUDGE), the others only counting.
COMPARE_POINTS  ?= 100
COMPARE_WINDOW  ?= 20s
JUDGE           ?= 10%

.PHONY: bench-media bench-weak-links
bench-media: $(BIN)
	mkdir -p $(LOADTEST_OUT)
	$(NETNS) sh -c 'ip link set lo up && \
		$(GO) test -run "^$$" -bench ForwardPath -benchmem ./sfu/ && \
		timeout 20m ./$(BIN) loadtest -compare -scenario briefing-250 -points $(COMPARE_POINTS) -duration $(COMPARE_WINDOW) -join-rate $(JOIN_RATE) -out $(LOADTEST_OUT)/compare -quiet && \
		timeout 20m ./$(BIN) loadtest -scenario briefing-250 -points $(BRIEFING_POINTS) -judge $(JUDGE) -duration $(MEDIA_WINDOW) -join-rate $(JOIN_RATE) -out $(LOADTEST_OUT) $(LOADTEST_FLAGS) && \
		timeout 20m ./$(BIN) loadtest -scenario meetings-20x8 -points $(MEETING_POINTS) -rooms $(MEETING_ROOMS) -duration $(MEDIA_WINDOW) -join-rate $(JOIN_RATE) -out $(LOADTEST_OUT) $(LOADTEST_FLAGS)'

# Points on slow, lossy and broken lines: needs the SFU's bandwidth estimation and RED.
bench-weak-links: $(BIN)
	mkdir -p $(LOADTEST_OUT)
	$(NETNS) sh -c 'ip link set lo up && timeout 5m ./$(BIN) loadtest -scenario weak-links -duration $(MEDIA_WINDOW) -out $(LOADTEST_OUT)'
