# What `cmake --install` puts where (GNUInstallDirs; DESTDIR honoured):
#   bin/acmeup, the man pages, the bash completion,
#   lib/acmeup/{reload-services,reload-renewed,copy-to-remote}   (hooks),
#   the systemd units (ExecStart= pointing at the installed binary),
#   share/doc/acmeup/examples/{acmeup.conf,cron.d-acmeup,bind,knot}.
# The timer is installed, never enabled; the cron file only as an example,
# so that a package never runs both.
include(GNUInstallDirs)

# Both relative to the prefix (given at configure or at install time), or
# absolute (Debian 12 packages put units in /lib/systemd/system).
set(ACMEUP_HOOKDIR "lib/acmeup" CACHE STRING
    "Where the deploy hooks of contrib/hooks are installed")
set(ACMEUP_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where the systemd units are installed")
set(ACMEUP_DOCDIR "${CMAKE_INSTALL_DATADIR}/doc/acmeup")

install(TARGETS acmeup RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES docs/acmeup.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES docs/acmeup.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES contrib/completion/acmeup.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME acmeup)
install(PROGRAMS contrib/hooks/reload-services contrib/hooks/reload-renewed
                 contrib/hooks/copy-to-remote
        DESTINATION ${ACMEUP_HOOKDIR})
install(FILES contrib/acmeup.conf.example DESTINATION ${ACMEUP_DOCDIR}/examples
        RENAME acmeup.conf)
install(FILES contrib/cron/acmeup DESTINATION ${ACMEUP_DOCDIR}/examples
        RENAME cron.d-acmeup)
install(FILES contrib/bind/named.conf.acmeup contrib/knot/knot.conf.acmeup
        DESTINATION ${ACMEUP_DOCDIR}/examples)
install(FILES README.md docs/fleet.md docs/delegation.md docs/security.md
        DESTINATION ${ACMEUP_DOCDIR})

# The units name /usr/local/bin/acmeup and /usr/local/lib/acmeup; the
# installed copies name where this install puts them.
install(CODE "
  foreach(unit acmeup.service acmeup-reload.service acmeup.timer)
    file(READ \"${CMAKE_CURRENT_SOURCE_DIR}/contrib/systemd/\${unit}\" text)
    string(REPLACE \"/usr/local/bin/acmeup\"
           \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/acmeup\"
           text \"\${text}\")
    string(REPLACE \"/usr/local/lib/acmeup\"
           \"\${CMAKE_INSTALL_PREFIX}/${ACMEUP_HOOKDIR}\" text \"\${text}\")
    set(dest \"${ACMEUP_SYSTEMD_UNITDIR}\")
    if(NOT IS_ABSOLUTE \"\${dest}\")
      set(dest \"\${CMAKE_INSTALL_PREFIX}/\${dest}\")
    endif()
    set(dest \"\$ENV{DESTDIR}\${dest}\")
    file(MAKE_DIRECTORY \"\${dest}\")
    file(WRITE \"\${dest}/\${unit}\" \"\${text}\")
    message(STATUS \"Installing: \${dest}/\${unit}\")
  endforeach()")
