package org.example.codec;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;

/** Run-length encoding of byte arrays: each run becomes a count byte and a value byte. */
public final class RunLength {
    private final int maxRun;
    private final String name;

    public RunLength(String name, int maxRun) {
        if (maxRun < 1 || maxRun > 255) {
            throw new IllegalArgumentException("maxRun must be within 1..255, not " + maxRun);
        }
        this.name = name;
        this.maxRun = maxRun;
    }

    public byte[] encode(byte[] input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 2);
        int i = 0;
        while (i < input.length) {
            byte value = input[i];
            int run = 1;
            while (i + run < input.length && input[i + run] == value && run < maxRun) {
                run++;
            }
            out.write(run);
            out.write(value);
            i += run;
        }
        return out.toByteArray();
    }

    public byte[] decode(byte[] encoded) {
        if (encoded.length % 2 != 0) {
            throw new IllegalArgumentException("an encoded stream holds pairs of bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length * 2);
        for (int i = 0; i < encoded.length; i += 2) {
            int run = encoded[i] & 0xff;
            byte[] chunk = new byte[run];
            Arrays.fill(chunk, encoded[i + 1]);
            out.write(chunk, 0, run);
        }
        return out.toByteArray();
    }

    public int getMaxRun() {
        return maxRun;
    }

    public String getName() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (o == null || getClass() != o.getClass()) return false;
        RunLength that = (RunLength) o;
        return maxRun == that.maxRun && Objects.equals(name, that.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, maxRun);
    }
}
