"""The dev stack's code, one module per concern; tools/devstack/devstack.py is its command and facade.

layout (settings, the stack folder, services and ports), processes (starting, stopping and watching them by
pid), maven (Java, and the jars and distributions fetched from Maven Central), kafka, registry (Apicurio),
monitoring (the JMX exporter agent and Prometheus), cli (the commands). Standard library only.
"""
