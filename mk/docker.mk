# The compose stack on a local Docker engine (issue 23): engine, base image, images, stack, docker test layer.
DOCKER_ENGINE := tools/docker/engine.sh

docker-engine:
	$(DOCKER_ENGINE) install
	$(DOCKER_ENGINE) start

base-image: docker-engine
	tools/docker/base-image.sh
