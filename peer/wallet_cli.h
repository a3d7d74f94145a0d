// `peer wallet`: the balance of a key's address, transfers, and reclaiming
// what its special addresses hold.
#pragma once

namespace tollstream {

inline constexpr const char* kWalletHelp =
    R"(usage: peer wallet --tracker URL --key FILE balance [--json]
       peer wallet --tracker URL --key FILE transfer --to ADDRESS --amount N
       peer wallet --tracker URL --key FILE reclaim

balance   the balance of the key's ordinary address; with --json prints
          {"address": ..., "balance": N}
transfer  moves N tokens from the key's address to ADDRESS
reclaim   closes the key's spend and income addresses, moving what they hold
          to its ordinary address (after a node was killed before it could
          settle; refused while a contract on them is still open)
)";

// Runs the wallet action argv names; returns the exit status.
int WalletCommand(int argc, char** argv);

}  // namespace tollstream
