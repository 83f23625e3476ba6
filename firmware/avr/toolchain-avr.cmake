# avr-gcc for the ATmega328P (Debian: gcc-avr binutils-avr avr-libc).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR avr)
set(CMAKE_C_COMPILER avr-gcc)
find_program(AVR_SIZE avr-size REQUIRED)
find_program(AVR_OBJCOPY avr-objcopy REQUIRED)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
