from socialpost.cli import main

main()
