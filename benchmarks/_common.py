"""What the benchmark scripts share: how a child process reports its peak memory."""


def peak_rss_bytes() -> int:
    """This process image's resident-set high-water mark (VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
