# What `cmake --install` installs, and the Debian packages CPack makes of it
# (scripts/package): tollstream-tracker and tollstream-peer.
#
# The programs are installed as tollstream-tracker and tollstream-peer (the
# names `tracker` and `peer` are too plain for /usr/bin). Their pages and
# scripts are built into them; beside them go the systemd units (hardened,
# with a dynamic user and a state directory each), a config file for the
# tracker (/etc/tollstream/tracker.conf, a conffile), examples for the
# nodes, the README, SECURITY.md and the reference of every command (their
# --help, in one text file per program).
include(GNUInstallDirs)

set(TOLLSTREAM_DOC_DIR ${CMAKE_BINARY_DIR}/doc)
foreach(program tracker peer)
  if(program STREQUAL "tracker")
    set(commands "init,run,keygen,mint,audit,backup,restore")
  else()
    set(commands "keygen,wallet,broadcast,streams,watch")
  endif()
  add_custom_command(
    OUTPUT ${TOLLSTREAM_DOC_DIR}/tollstream-${program}.txt
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${program}> -DNAME=tollstream-${program}
            -DCOMMANDS=${commands} -DOUT=${TOLLSTREAM_DOC_DIR}/tollstream-${program}.txt
            -P ${PROJECT_SOURCE_DIR}/cmake/HelpDoc.cmake
    DEPENDS ${program} ${PROJECT_SOURCE_DIR}/cmake/HelpDoc.cmake
    COMMENT "Writing the reference of ${program}")
  add_custom_target(${program}_reference ALL DEPENDS ${TOLLSTREAM_DOC_DIR}/tollstream-${program}.txt)

  install(PROGRAMS $<TARGET_FILE:${program}> DESTINATION ${CMAKE_INSTALL_BINDIR}
          RENAME tollstream-${program} COMPONENT ${program})
  install(FILES README.md SECURITY.md ${TOLLSTREAM_DOC_DIR}/tollstream-${program}.txt
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/tollstream-${program} COMPONENT ${program})
endforeach()

set(units ${PROJECT_SOURCE_DIR}/packaging/systemd)
install(FILES ${units}/tollstream-tracker.service DESTINATION lib/systemd/system COMPONENT tracker)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/grafana/tollstream.json
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/tollstream-tracker/grafana COMPONENT tracker)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tracker.conf DESTINATION /etc/tollstream
        COMPONENT tracker)
# nginx sites for TLS in front (packaging/nginx/), to copy into sites-available/.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/nginx/tollstream-tracker.conf
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/tollstream-tracker/nginx COMPONENT tracker)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/nginx/tollstream-broadcast.conf
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/tollstream-peer/nginx COMPONENT peer)
install(FILES ${units}/tollstream-broadcast@.service ${units}/tollstream-watch@.service
        DESTINATION lib/systemd/system COMPONENT peer)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/broadcast.conf.example
              ${PROJECT_SOURCE_DIR}/packaging/watch.conf.example
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/tollstream-peer COMPONENT peer)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tollstream)
set(CPACK_PACKAGE_VENDOR "tollstream")
set(CPACK_PACKAGE_CONTACT "tollstream maintainers <maintainers@tollstream.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tracker peer)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the libraries' packages, as dpkg-shlibdeps finds them
set(CPACK_DEBIAN_TRACKER_PACKAGE_NAME tollstream-tracker)
set(CPACK_DEBIAN_PEER_PACKAGE_NAME tollstream-peer)
set(CPACK_DEBIAN_TRACKER_DESCRIPTION
    "tollstream tracker: the ledger of a paid video-streaming network\n The tracker of tollstream: signed handshake, income and spend addresses,\n contracts and a ledger on LevelDB, with a dashboard and Prometheus metrics.")
set(CPACK_DEBIAN_PEER_DESCRIPTION
    "tollstream peers: sell and buy a video stream segment by segment\n The broadcasting node (beside an encoder) and the receiving node (for any\n HLS player) of tollstream, paid with signed receipts.")
set(CPACK_DEBIAN_PEER_PACKAGE_RECOMMENDS "ffmpeg, nginx-light | nginx, libnginx-mod-rtmp")
set(CPACK_DEBIAN_TRACKER_PACKAGE_SUGGESTS "nginx")
set(CPACK_DEBIAN_PEER_PACKAGE_SUGGESTS "nginx")
set(CPACK_DEBIAN_TRACKER_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/debian/tracker/conffiles)
include(CPack)
