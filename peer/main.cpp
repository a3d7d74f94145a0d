#include "peer/peer_cli.h"

int main(int argc, char** argv) {
  return tollstream::PeerMain(argc, argv);
}
