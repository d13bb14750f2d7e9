"""The eval suite: datasets in evals/, graders and thresholds, reports in evals/reports/."""
