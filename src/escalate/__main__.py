from escalate.cli.app import main

main()
