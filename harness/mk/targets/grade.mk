# grade.mk: instructor grading (harness/bin/grade, grade-all, gradescope).

.PHONY: grade grade-all gradescope

grade: deps ## grade your tree, or SUBMISSION=folder|.tar.gz|.zip: table, JSON, JUnit
	@harness/bin/grade $(SUBMISSION)

grade-all: deps ## grade every submission in SUBMISSIONS=dir: class CSV, summary, HTML
	@if [ -z "$(SUBMISSIONS)" ]; then echo "Say where: make grade-all SUBMISSIONS=folder" >&2; exit 2; fi
	@harness/bin/grade-all $(SUBMISSIONS)

gradescope: ## the Gradescope autograder zip (build/gradescope/autograder.zip)
	@harness/bin/gradescope
