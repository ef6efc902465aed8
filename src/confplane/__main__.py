from confplane.cli import main

main()
