# The AWX execution environment (issue 23): built with ansible-builder, jobs run in it with ansible-runner.
