# End to end on the OpenSSH test server (tests/servers/TestServers.psm1), as a user runs the module:
# a YAML config in the seed's style, the three pipelines, a server stopped in the middle of transfers,
# and a recorded session in which neither the password nor the key passphrase may appear.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    foreach ($name in 'HOST', 'PORT', 'USER', 'PASSWORD', 'KEY_PATH', 'KEY_PASSPHRASE', 'KNOWN_HOSTS', 'HOST_FINGERPRINT', 'ROOT', 'CONFIG') {
        $null = Get-RequiredTestVariable "MF_TEST_SFTP_$name"
    }
    $script:Work = New-TestFolder 'sftp'

    # A platform YAML as a partner drop would be configured; the connection section names variables.
    function New-SftpConfig([string] $Prefix, [string] $Auth = 'password', [int] $Port = $env:MF_TEST_SFTP_PORT, [switch] $ByFingerprint) {
        $lines = @('platform:', '  bronze:', '    storage_backend: sftp', "    sftp_host: $env:MF_TEST_SFTP_HOST", "    sftp_port: $Port",
            "    sftp_path: $env:MF_TEST_SFTP_ROOT", "    sftp_prefix: $Prefix", '  sftp_connection:', '    username_env: MF_TEST_SFTP_USER')
        $lines += if ($Auth -eq 'password') { '    password_env: MF_TEST_SFTP_PASSWORD' }
                  else { '    private_key_path_env: MF_TEST_SFTP_KEY_PATH', '    private_key_passphrase_env: MF_TEST_SFTP_KEY_PASSPHRASE' }
        $lines += if ($ByFingerprint) { '    host_key_fingerprint_env: MF_TEST_SFTP_HOST_FINGERPRINT' } else { "    known_hosts_path: $env:MF_TEST_SFTP_KNOWN_HOSTS" }
        $path = Join-Path $script:Work "sftp-$([guid]::NewGuid().ToString('N').Substring(0, 8)).yaml"
        $lines | Set-Content -Path $path
        $path
    }

    function Get-Hashes([string] $Folder) {
        $hashes = @{}
        foreach ($file in Get-ChildItem $Folder -File -Recurse) { $hashes[$file.Name] = (Get-FileHash $file.FullName).Hash }
        $hashes
    }

    # A second sshd with the test server's configuration on its own port, which a test may kill
    # (with every connection it serves) without disturbing the shared server.
    function Start-PrivateSshd {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $config = "$env:MF_TEST_SFTP_CONFIG.$port"
        (Get-Content $env:MF_TEST_SFTP_CONFIG) -replace '^Port .*', "Port $port" -replace '^PidFile .*', "PidFile $config.pid" | Set-Content $config
        $info = [Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
        foreach ($a in '-D', '-f', $config) { $info.ArgumentList.Add($a) }
        $info.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($info)
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($true) {
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); break }
            catch { if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) { throw "The private sshd did not start on port $port." }; Start-Sleep -Milliseconds 100 }
            finally { $client.Dispose() }
        }
        [pscustomobject]@{ Port = $port; Process = $process; Config = $config }
    }

    # Kills the server's whole process tree as soon as a file matching $Filter under $Folder has
    # grown past $Bytes: the transfers are then in mid-flight. Runs on its own runspace.
    function Start-KillWhenGrowing([string] $Folder, [string] $Filter, [long] $Bytes, [Diagnostics.Process] $Process) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($Folder, $Filter, $Bytes, $Process)
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ([DateTime]::UtcNow -lt $deadline) {
                $growing = Get-ChildItem $Folder -Recurse -File -Force -Filter $Filter -ErrorAction SilentlyContinue | Where-Object Length -ge $Bytes
                if ($growing) { $Process.Kill($true); return "killed at $($growing[0].Length) bytes" }
                Start-Sleep -Milliseconds 5
            }
            'never saw a partial file'
        }).AddArgument($Folder).AddArgument($Filter).AddArgument($Bytes).AddArgument($Process)
        [pscustomobject]@{ Shell = $ps; Handle = $ps.BeginInvoke() }
    }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    if ($script:Work) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'SFTP backend from a YAML config' -ForEach @(@{ Auth = 'password' }, @{ Auth = 'key' }) {
    BeforeAll {
        $script:Prefix = "pester-$Auth-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Connect-BronzeStorage -ConfigPath (New-SftpConfig -Prefix $script:Prefix -Auth $Auth)
        $script:Source = Join-Path $script:Work "extract-$Auth"
        1..5 | ForEach-Object { New-TestFile -Path (Join-Path $script:Source "part-000$_.bin") -Size (1000 * $_ + 17) -Seed $_ } | Out-Null
        New-TestFile -Path (Join-Path $script:Source 'part-big.bin') -Size (3MB + 5) -Seed 99 | Out-Null
    }
    AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'connects to the folder of the config (<Auth>) without showing a secret' {
        $info = Get-BronzeStorage
        $info.Backend | Should -Be 'sftp'
        ($info | Out-String) | Should -Match ([regex]::Escape("sftp://$env:MF_TEST_SFTP_USER@$env:MF_TEST_SFTP_HOST"))
        ($info | Out-String) | Should -Not -Match ([regex]::Escape($env:MF_TEST_SFTP_PASSWORD))
    }

    It 'passes Test-BronzeStorage and leaves nothing behind (<Auth>)' {
        $report = Test-BronzeStorage
        $report.Healthy | Should -BeTrue
        $report.Checks | ForEach-Object { $_.Success | Should -BeTrue -Because "$($_.Name): $($_.Error)" }
        $report.Backend | Should -Be 'sftp'
        Test-Path (Join-Path $env:MF_TEST_SFTP_ROOT $script:Prefix) | Should -BeFalse
    }

    It 'uploads with Get-ChildItem | Send-BronzeFile (<Auth>)' {
        $sent = Get-ChildItem $script:Source -File | Send-BronzeFile -Destination 'system=api/table=users/dt=2025-01-01/' -PassThru
        $sent.Count | Should -Be 6
        $onServer = Join-Path $env:MF_TEST_SFTP_ROOT "$script:Prefix/system=api/table=users/dt=2025-01-01"
        (Get-ChildItem $onServer -File -Force).Name | Sort-Object | Should -Be @('part-0001.bin', 'part-0002.bin', 'part-0003.bin', 'part-0004.bin', 'part-0005.bin', 'part-big.bin')
    }

    It 'downloads with Get-BronzeFileList | Get-BronzeFile, every byte equal (<Auth>)' {
        $down = Join-Path $script:Work "down-$Auth"
        $files = Get-BronzeFileList -Prefix 'system=api/table=users/' | Get-BronzeFile -Destination $down
        @($files).Count | Should -Be 6
        $expected = Get-Hashes $script:Source
        $actual = Get-Hashes $down
        $actual.Count | Should -Be 6
        foreach ($name in $expected.Keys) { $actual[$name] | Should -Be $expected[$name] -Because $name }
    }

    It 'lists one level as folders and files (<Auth>)' {
        $level = Get-BronzeFileList -Prefix 'system=api/' -Recurse:$false
        $level.Path | Should -Be @('system=api/table=users/')
        $level[0].IsPrefix | Should -BeTrue
    }

    It 'removes with Get-BronzeFileList | Remove-BronzeFile, empty folders included (<Auth>)' {
        Get-BronzeFileList -Prefix 'system=api/table=users/' | Remove-BronzeFile
        @(Get-BronzeFileList -Prefix 'system=api/').Count | Should -Be 0
        Test-Path (Join-Path $env:MF_TEST_SFTP_ROOT $script:Prefix) | Should -BeFalse
    }
}

Describe 'SFTP backend from parameters' {
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'connects with -Credential (password) and -KnownHostsPath and round-trips a file' {
        $credential = [pscredential]::new($env:MF_TEST_SFTP_USER, (ConvertTo-SecureString $env:MF_TEST_SFTP_PASSWORD -AsPlainText -Force))
        $prefix = "pester-params-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Connect-BronzeStorage -Backend Sftp -HostName $env:MF_TEST_SFTP_HOST -Port $env:MF_TEST_SFTP_PORT -Path $env:MF_TEST_SFTP_ROOT `
            -Prefix $prefix -Credential $credential -KnownHostsPath $env:MF_TEST_SFTP_KNOWN_HOSTS
        $file = New-TestFile -Path (Join-Path $script:Work 'params/one.bin') -Size 4096 -Seed 4
        Send-BronzeFile -Path $file.FullName -Destination 'x/'

        Test-Path (Join-Path $env:MF_TEST_SFTP_ROOT "$prefix/x/one.bin") | Should -BeTrue
        $back = Get-BronzeFileList -Prefix 'x/' | Get-BronzeFile -Destination (Join-Path $script:Work 'params-down')
        (Get-FileHash $back.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash
        Get-BronzeFileList -Prefix 'x/' | Remove-BronzeFile
        Test-Path (Join-Path $env:MF_TEST_SFTP_ROOT $prefix) | Should -BeFalse
    }

    It 'connects with -UserName, -PrivateKeyPath, -PrivateKeyPassphrase and -HostKeyFingerprint' {
        $passphrase = ConvertTo-SecureString $env:MF_TEST_SFTP_KEY_PASSPHRASE -AsPlainText -Force
        Connect-BronzeStorage -Backend Sftp -HostName $env:MF_TEST_SFTP_HOST -Port $env:MF_TEST_SFTP_PORT -Path $env:MF_TEST_SFTP_ROOT `
            -Prefix "pester-keyparams-$([guid]::NewGuid().ToString('N').Substring(0, 8))" -UserName $env:MF_TEST_SFTP_USER `
            -PrivateKeyPath $env:MF_TEST_SFTP_KEY_PATH -PrivateKeyPassphrase $passphrase -HostKeyFingerprint $env:MF_TEST_SFTP_HOST_FINGERPRINT
        (Test-BronzeStorage).Healthy | Should -BeTrue
    }

    It 'refuses a parameter of another backend' {
        { Connect-BronzeStorage -Backend Sftp -HostName $env:MF_TEST_SFTP_HOST -Bucket nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConnectBronzeStorageParameterNotApplicable,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
    }

    It 'names the missing login when neither a password nor a key is given' {
        { Connect-BronzeStorage -Backend Sftp -HostName $env:MF_TEST_SFTP_HOST -UserName someone -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand' -ExpectedMessage '*password_env*private_key_path_env*'
    }
}

Describe 'SFTP server stopped in the middle of transfers' {
    BeforeEach {
        $script:Server = Start-PrivateSshd
        $script:Prefix = "pester-stop-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $script:Local = Join-Path $script:Work $script:Prefix
        New-Item -ItemType Directory -Path $script:Local | Out-Null
    }
    AfterEach {
        if (-not $script:Server.Process.HasExited) { $script:Server.Process.Kill($true) }
        Remove-Item "$($script:Server.Config)*" -ErrorAction SilentlyContinue
        Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    }

    It 'reports an error per file and leaves no file at its final name on the server' {
        $names = 1..3 | ForEach-Object { "big-$_.bin" }
        foreach ($name in $names) {
            $stream = [IO.File]::Create((Join-Path $script:Local $name)); $stream.SetLength(96MB); $stream.Dispose()
        }
        Connect-BronzeStorage -ConfigPath (New-SftpConfig -Prefix $script:Prefix -Port $script:Server.Port -ByFingerprint) -MaxAttempts 2 -RetryBaseDelaySeconds 0.1
        $remoteFolder = Join-Path $env:MF_TEST_SFTP_ROOT "$script:Prefix/drop"
        $watch = Start-KillWhenGrowing -Folder $env:MF_TEST_SFTP_ROOT -Filter "*.mftmp" -Bytes 4MB -Process $script:Server.Process

        Get-ChildItem $script:Local -File | Send-BronzeFile -Destination 'drop/' -ErrorVariable errs -ErrorAction SilentlyContinue
        $watch.Shell.EndInvoke($watch.Handle) | Should -Match 'killed'

        $errs.Count | Should -Be 3
        foreach ($name in $names) {
            ($errs | Where-Object { "$($_.TargetObject) $($_.Exception.Message)" -match [regex]::Escape($name) }) | Should -Not -BeNullOrEmpty -Because "the error must name $name"
            Test-Path (Join-Path $remoteFolder $name) | Should -BeFalse -Because "$name must not exist at its final name"
        }
        $errs[0].FullyQualifiedErrorId | Should -Match '^SendBronzeFile(TransientFailure|CircuitOpen),'
    }

    It 'reports an error per file and leaves no file at its final name locally' {
        $remoteFolder = Join-Path $env:MF_TEST_SFTP_ROOT "$script:Prefix/out"
        Connect-BronzeStorage -ConfigPath (New-SftpConfig -Prefix $script:Prefix) -Name seed
        foreach ($i in 1..3) {
            $path = Join-Path $script:Work "seed-$i.bin"; $stream = [IO.File]::Create($path); $stream.SetLength(96MB); $stream.Dispose()
            Send-BronzeFile -Path $path -Destination "out/big-$i.bin" -Connection seed
        }
        Connect-BronzeStorage -ConfigPath (New-SftpConfig -Prefix $script:Prefix -Port $script:Server.Port -ByFingerprint) -MaxAttempts 2 -RetryBaseDelaySeconds 0.1 -Name private
        $down = Join-Path $script:Local 'down'
        $watch = Start-KillWhenGrowing -Folder $script:Local -Filter '*.mfpart' -Bytes 4MB -Process $script:Server.Process

        Get-BronzeFileList -Prefix 'out/' -Connection seed | Get-BronzeFile -Connection private -Destination $down -ErrorVariable errs -ErrorAction SilentlyContinue
        $watch.Shell.EndInvoke($watch.Handle) | Should -Match 'killed'

        $errs.Count | Should -Be 3
        @(Get-ChildItem $down -Recurse -File -Force -ErrorAction SilentlyContinue).FullName | Should -BeNullOrEmpty -Because 'neither a final file nor a partial one may be left'
        (Get-ChildItem $remoteFolder -File).Count | Should -Be 3 -Because 'the remote files are untouched'
    }
}

Describe 'SFTP host key checks in the module' {
    It 'refuses a host missing from known_hosts with an error that shows the fingerprint' {
        $knownHosts = Join-Path $script:Work 'empty_known_hosts'
        Set-Content $knownHosts '# nothing here'
        $config = New-SftpConfig -Prefix 'never'
        (Get-Content $config) -replace 'known_hosts_path: .*', "known_hosts_path: $knownHosts" | Set-Content $config

        # Connect-BronzeStorage checks the connection, so the refusal comes from it.
        $err = $null
        try { Connect-BronzeStorage -ConfigPath $config -Name unknownhost -ErrorAction Stop } catch { $err = $_ }

        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -Match ([regex]::Escape($env:MF_TEST_SFTP_HOST_FINGERPRINT))
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path (Join-Path $env:MF_TEST_SFTP_ROOT 'never') | Should -BeFalse
    }
}

Describe 'SFTP secrets in a recorded session' {
    It 'never shows the password or the key passphrase' {
        $transcript = Join-Path $script:Work 'sftp-transcript.txt'
        $file = New-TestFile (Join-Path $script:Work 'secrets/data.bin') -Size 4096
        $prefix = "pester-secrets-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $passwordConfig = New-SftpConfig -Prefix $prefix
        $keyConfig = New-SftpConfig -Prefix $prefix -Auth key
        $badKeyConfig = New-SftpConfig -Prefix $prefix -Auth key
        (Get-Content $badKeyConfig) -replace 'MF_TEST_SFTP_KEY_PASSPHRASE', 'MF_SECRET_WRONG_PASSPHRASE' | Set-Content $badKeyConfig
        $badPasswordConfig = New-SftpConfig -Prefix $prefix
        (Get-Content $badPasswordConfig) -replace 'MF_TEST_SFTP_PASSWORD', 'MF_SECRET_WRONG_PASSWORD' | Set-Content $badPasswordConfig
        $secrets = @{ MF_SECRET_WRONG_PASSPHRASE = "WrongPass$([guid]::NewGuid().ToString('N'))"; MF_SECRET_WRONG_PASSWORD = "WrongPw$([guid]::NewGuid().ToString('N'))" }
        $session = @"
`$ErrorActionPreference = 'Continue'
`$VerbosePreference = 'Continue'
`$DebugPreference = 'Continue'
Start-Transcript -Path '$transcript' | Out-Null
Import-Module '$script:ModuleManifest'
Connect-BronzeStorage -ConfigPath '$passwordConfig' -Name pw -PassThru | Format-List *
Connect-BronzeStorage -ConfigPath '$keyConfig' -Name key -PassThru | Format-List *
Connect-BronzeStorage -ConfigPath '$badKeyConfig' -Name badkey -PassThru | Format-List *
Connect-BronzeStorage -ConfigPath '$badPasswordConfig' -Name badpw -MaxAttempts 1 -PassThru | Format-List *
Connect-BronzeStorage -Backend Sftp -HostName `$env:MF_TEST_SFTP_HOST -Port `$env:MF_TEST_SFTP_PORT -Path `$env:MF_TEST_SFTP_ROOT -Prefix '$prefix' -UserName `$env:MF_TEST_SFTP_USER -PrivateKeyPath `$env:MF_TEST_SFTP_KEY_PATH -PrivateKeyPassphrase `$env:MF_SECRET_WRONG_PASSPHRASE -KnownHostsPath `$env:MF_TEST_SFTP_KNOWN_HOSTS -Name badkeyparam -PassThru -Verbose | Format-List *
Get-BronzeFileList -Connection badkeyparam -Verbose -Debug
Get-BronzeStorage -All | Format-List *
Send-BronzeFile '$($file.FullName)' 'x/data.bin' -Connection pw -PassThru -Verbose -Debug | Format-List *
Get-BronzeFileList -Connection key -Verbose -Debug | Format-List *
Get-BronzeFile 'x/data.bin' -Connection key -Destination '$script:Work/secrets-down/' -Verbose -Debug | Out-Null
Get-BronzeFile 'x/missing.bin' -Connection pw -Destination '$script:Work/secrets-down/' -Verbose -Debug
Get-BronzeFileList -Connection badkey -Verbose -Debug
Get-BronzeFileList -Connection badpw -Verbose -Debug
Test-BronzeStorage -Connection key -Verbose -Debug | Format-List *
Get-BronzeFileList -Connection pw | Remove-BronzeFile -Connection pw -Verbose -Debug
Get-Error -Newest 5
`$Error | ForEach-Object { `$_.Exception.ToString() }
Stop-Transcript | Out-Null
"@
        $result = Invoke-ChildPwsh $session -Environment $secrets
        Test-Path $transcript | Should -BeTrue -Because $result.Output
        $text = (Get-Content $transcript -Raw) + $result.Output

        $text | Should -Match 'x/missing.bin' -Because 'the session must have run, errors included'
        $text | Should -Match 'refused the login' -Because 'the wrong password must have been tried'
        $text | Should -Match 'passphrase is wrong' -Because 'the wrong passphrase must have been tried'
        foreach ($secret in @($env:MF_TEST_SFTP_PASSWORD, $env:MF_TEST_SFTP_KEY_PASSPHRASE) + $secrets.Values) {
            $text.Contains($secret) | Should -BeFalse -Because 'a secret appeared in the transcript'
        }
    }
}
