// `peer wallet`: the balance of a key's address, transfers, and reclaiming
// what its special addresses hold.
#pragma once

namespace tollstream {

inline constexpr const char* kWalletHelp =
    R"(usage: peer wallet --key FILE address
       peer wallet --tracker URL --key FILE balance [--json]
       peer wallet --tracker URL --key FILE transfer --to ADDRESS --amount N
       peer wallet --tracker URL --key FILE reclaim [--json]
       peer wallet --node URL topup --amount N

address   the key's public key (tollpub1…) and ordinary address (toll1…),
          its 6-digit code, and both in hex; needs no tracker
balance   the balance of the key's ordinary address; with --json prints
          {"address": HEX, "address_text": "toll1…", "balance": N}
transfer  moves N tokens from the key's address to ADDRESS, an address in
          its human form (toll1…): a public key, 64 hex digits (which may
          be a key) or a mistyped address is refused before anything is
          sent, since tokens sent to a wrong address are lost
reclaim   closes the key's open spend and income addresses (it opens none),
          moving what they hold to its ordinary address (after a node was
          killed before it could settle; refused while a contract on them is
          still open)
topup     adds N tokens to the budget of a `peer watch` node running at URL
          on this machine (http://127.0.0.1:PORT), as its page's button does
)";

// Runs the wallet action argv names; returns the exit status.
int WalletCommand(int argc, char** argv);

}  // namespace tollstream
