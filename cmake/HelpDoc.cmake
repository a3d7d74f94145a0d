# Writes a program's --help and each of its commands' --help into one text
# file, the reference installed beside the program.
#   cmake -DPROGRAM=path -DNAME=tollstream-tracker -DCOMMANDS=a,b -DOUT=file -P HelpDoc.cmake
string(REPLACE "," ";" COMMANDS "${COMMANDS}")
execute_process(COMMAND ${PROGRAM} --help OUTPUT_VARIABLE usage COMMAND_ERROR_IS_FATAL ANY)
set(text "${NAME}\n\n${usage}")
foreach(command ${COMMANDS})
  execute_process(COMMAND ${PROGRAM} ${command} --help OUTPUT_VARIABLE help
                  COMMAND_ERROR_IS_FATAL ANY)
  string(APPEND text "\n---- ${NAME} ${command} ----\n\n${help}")
endforeach()
file(WRITE ${OUT} "${text}")
