# drill.mk: timed interview drills (harness/bin/drill).

.PHONY: drill drill-check drill-history

drill: deps ## a timed drill on a fresh stub [EX=x], or DESIGN=1 for a whiteboard prompt
	@if [ -n "$(DESIGN)" ]; then harness/bin/drill design $(SEED); else harness/bin/drill start $(EX); fi

drill-check: deps ## grade the running drill: minutes taken and levels passing (logged)
	@harness/bin/drill check

drill-history: ## every drill so far, so progress is visible
	@harness/bin/drill history $(EX)
