#include "tracker/tracker_cli.h"

int main(int argc, char** argv) {
  return tollstream::TrackerMain(argc, argv);
}
